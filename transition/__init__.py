"""The orchestration that spans domains: the one home of the work and the pages that put
several apps together.

It sits above the domains (engagements, milestones, registers, governance, reporting,
notifications, exports) and the API kit: the portfolio and how each engagement stands
(``portfolio``, ``standing``), the engagement overview with its timeline (``views.engagement``,
``timeline``), my work (``work``), creating an engagement from a playbook and its plan preview
(``planning``, ``services``) and over the API (``api``), rescheduling a phase and what moves
with it, removing a person who still owns work, the tenant's members and invitations, and the
demo (``demo``). Each domain builds and changes its own rows; this app calls them in one
transaction and reads across them.
A page or rule that needs one domain only belongs to that domain, not here.
"""
