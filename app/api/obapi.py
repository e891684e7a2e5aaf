"""The 1EdTech Open Badges 3.0 API (§6-7) at /ims/ob/v3p0: discovery, credentials, profile."""

from __future__ import annotations

from app.api.ims_resources import build_router

router = build_router("ob", "ob-api")
