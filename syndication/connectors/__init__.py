"""One connector per partner platform, looked up by the partner's kind."""

from __future__ import annotations

from syndication.connectors.base import Connector
from syndication.connectors.mba import MbaConnector
from syndication.connectors.pactepme import PactePmeConnector

CONNECTORS: dict[str, type[Connector]] = {
    MbaConnector.kind: MbaConnector,
    PactePmeConnector.kind: PactePmeConnector,
}
