"""The Open edX event bus over Redis Streams (edx-event-bus-redis wire format), consumed by
`laurel consume`: decode (``envelope``, ``avro``), decide (``dispatch``), loop (``consumer``)."""
