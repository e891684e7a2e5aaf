"""The 1EdTech CLR 2.0 API at /ims/clr/v2p0, mirroring the OB 3.0 API (same OAuth server,
CLR scopes): the learner's Comprehensive Learner Record, CLRs received elsewhere, profile."""

from __future__ import annotations

from app.api.ims_resources import build_router

router = build_router("clr", "clr-api")
