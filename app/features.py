"""Every feature, in the order `create_app` wires them: each one's `init_app(app)` registers
its blueprint and adds its tabs, panels, audit actions, notification kinds, proposal kinds,
portfolio columns, reminder sources, integrity checks, jobs and signal receivers."""

from app import (
    accounts,
    audit,
    audit_trail,
    coediting,
    consent,
    core,
    invitations,
    lifecycle,
    my_work,
    notifications,
    organisations,
    partnerships,
    plan_import,
    plan_sections,
    plan_versions,
    portfolio,
    review_cycle,
)

FEATURES = (
    core,
    accounts,
    audit,
    organisations,
    partnerships,
    invitations,
    notifications,
    audit_trail,
    plan_sections,
    coediting,
    plan_versions,
    plan_import,
    review_cycle,
    consent,
    portfolio,
    my_work,
    lifecycle,
)
