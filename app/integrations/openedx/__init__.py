"""Open edX: the credentials-service API the LMS calls, and the decisions both the REST and
the event-bus paths share (``service.OpenEdxService``)."""
