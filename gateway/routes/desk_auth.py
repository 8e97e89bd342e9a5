"""The caller of the desk's counters, shifts, handovers and statistics as one `Actor`: the kiosk
of the bearer token, and the operator of `X-Operator-Session` when one is sent (checked by the
operators' dependency in `gateway.deps`) (docs/architecture.md, "Counters, shifts and statistics").
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from gateway.deps import CurrentKiosk, OptionalOperatorSession
from gateway.services.desk_actor import Actor


def desk_actor(kiosk: CurrentKiosk, operator: OptionalOperatorSession) -> Actor:
    if operator is None:
        return Actor(kiosk_id=kiosk.id, location_code=kiosk.location_code)
    return Actor(kiosk_id=kiosk.id, location_code=kiosk.location_code, operator=operator.name,
                 coordinator=operator.role == "coordinator")


DeskActor = Annotated[Actor, Depends(desk_actor)]
