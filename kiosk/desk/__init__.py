"""The librarian's desk: plain-Python state and work behind the desk screens (no Kivy).

`session` (sign-in, the operator session, locking), `work` (one sign-in's find-by-person and till),
`review` (the review queue and what resolves each case), `service` (`DeskService`: what the desk
screens call, one per backend), `messages` (the librarian's sentences). Cash itself is
`kiosk.payments.cash` (docs/architecture.md, "The librarian's desk").
"""
