"""FHIR (R4B, from fhir.resources) for Stride records, protocols and alerts: docs/interop.md."""
