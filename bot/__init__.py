"""nachbarbot: transports (connectors), configuration and wiring around the handlers."""
