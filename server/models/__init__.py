"""SQLAlchemy models; importing this package registers every table."""

from server.models.alerts import Alert, AlertEvent, Change
from server.models.audit import AuditEvent, AuditEventPatient, LoginAttempt
from server.models.calendar import CalendarFeed
from server.models.cds import CdsJti
from server.models.logs import (
    ClinicalEvent,
    ExerciseLog,
    OutcomeMeasure,
    PainLog,
    PostopCheck,
    RedFlagCheck,
)
from server.models.mfa import MfaFactor, MfaRecoveryCode
from server.models.plans import Plan, PlanRevision
from server.models.protocols import ProtocolVersion
from server.models.sweeps import PlanEvaluation, SweepQueueItem, SweepRun
from server.models.users import AccountCode, AuthToken, CareTeamMember, Patient, User

__all__ = [
    "AccountCode",
    "Alert",
    "AlertEvent",
    "AuditEvent",
    "AuditEventPatient",
    "AuthToken",
    "CalendarFeed",
    "CareTeamMember",
    "CdsJti",
    "Change",
    "ClinicalEvent",
    "ExerciseLog",
    "LoginAttempt",
    "MfaFactor",
    "MfaRecoveryCode",
    "OutcomeMeasure",
    "PainLog",
    "Patient",
    "Plan",
    "PostopCheck",
    "PlanEvaluation",
    "PlanRevision",
    "ProtocolVersion",
    "RedFlagCheck",
    "SweepQueueItem",
    "SweepRun",
    "User",
]
