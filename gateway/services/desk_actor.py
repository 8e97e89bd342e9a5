"""Who is asking, for the desk's counters, shifts and statistics: the kiosk (its token), its
location, and the operator signed in at it (`X-Operator-Session`), if any.

Built by the routes from the kiosk token and the operator session; the services decide with it
(docs/architecture.md, "Counters, shifts and statistics").
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.problems import ProblemError
from gateway.services import desk_problems


@dataclass(frozen=True)
class Actor:
    kiosk_id: str
    location_code: str
    operator: str = ""  # the operator's name; "" = the kiosk's token alone
    coordinator: bool = False  # a coordinator reads every location's statistics

    def require_operator(self) -> str:
        """The operator's name; 403 problem when none signed in."""
        if not self.operator:
            raise ProblemError(desk_problems.OPERATOR_REQUIRED)
        return self.operator
