"""`laurel consume`: apply the Open edX event bus (Redis Streams) as the LMS publishes it."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from typing import TYPE_CHECKING, Annotated

import typer
from sqlmodel import Session

from app.cli import context

if TYPE_CHECKING:
    from app.container import Services


def _topic_prefix(services: Services, given: str | None) -> str | None:
    """--topic-prefix, else LAUREL_EVENT_BUS_TOPIC_PREFIX, else the prefix of the connected
    Open edX site (refused when several sites have different ones: name it)."""
    if given is not None:
        return given or None
    if services.settings.event_bus_topic_prefix:
        return services.settings.event_bus_topic_prefix
    from sqlmodel import select

    from app.models import OpenEdxConnection

    with Session(services.engine) as session:
        prefixes = sorted(
            {p for p in session.exec(select(OpenEdxConnection.topic_prefix)).all() if p}
        )
    if len(prefixes) > 1:
        context.fail(
            f"the connected Open edX sites use different topic prefixes ({', '.join(prefixes)}): "
            "run one consumer group per site with --topic-prefix P"
        )
    return prefixes[0] if prefixes else None


def consume(
    topic: Annotated[
        str,
        typer.Option(help="The event bus topic, e.g. learning-certificate-lifecycle."),
    ],
    group: Annotated[
        str, typer.Option(help="The consumer group: every consumer of one group shares work.")
    ],
    consumer: Annotated[
        str | None,
        typer.Option(help="This consumer's name in the group (default: host-pid)."),
    ] = None,
    topic_prefix: Annotated[
        str | None,
        typer.Option(help="The LMS's EVENT_BUS_TOPIC_PREFIX (stream: PREFIX-TOPIC)."),
    ] = None,
    until_idle: Annotated[
        bool,
        typer.Option("--until-idle", help="Exit once nothing is pending or new (draining)."),
    ] = False,
) -> None:
    """Consume the Open edX event bus: certificates awarded and revoked, grades. Run as many
    as you like, on any hosts, in one group; SIGTERM stops after the batch under way."""
    import redis

    from app.integrations.openedx.eventbus.avro import AvroCodec
    from app.integrations.openedx.eventbus.consumer import ConsumerPolicy, StreamConsumer
    from app.integrations.openedx.eventbus.dispatch import Dispatcher
    from app.integrations.openedx.eventbus.envelope import stream_name

    services = context.services()
    settings = services.settings
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(message)s")
    url = settings.event_bus_redis_url or settings.redis_url
    if not url:
        context.fail(
            "LAUREL_EVENT_BUS_REDIS_URL is not set: give it the LMS's "
            "EVENT_BUS_REDIS_CONNECTION_URL",
            context.EXIT_CONFIG,
        )
    stream = stream_name(topic, _topic_prefix(services, topic_prefix))
    codec = AvroCodec.from_directory(settings.schemas_dir / "openedx-events")
    runner = StreamConsumer(
        redis.Redis.from_url(url),
        services.engine,
        Dispatcher(codec, services.openedx, stream),
        stream=stream,
        group=group,
        consumer=consumer or f"{socket.gethostname()}-{os.getpid()}",
        policy=ConsumerPolicy(
            batch_size=settings.event_bus_batch_size,
            commit_every=settings.event_bus_commit_every,
            claim_idle_ms=int(settings.event_bus_claim_idle_seconds * 1000),
            claim_every_seconds=min(10.0, settings.event_bus_claim_idle_seconds),
            progress_every_seconds=settings.event_bus_progress_seconds,
        ),
        progress=lambda line: typer.echo(line, err=True),
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())  # finish the batch under way, then stop
    typer.echo(f"consuming {stream} as {runner.group}/{runner.consumer}", err=True)
    totals = runner.run(stop, until_idle=until_idle)
    typer.echo(totals.line())
