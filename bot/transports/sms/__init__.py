"""The SMS transport (issue 45): see bot/transports/sms/transport.py."""
