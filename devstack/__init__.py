"""The local stack: AWS emulator, provisioning, `chalice local` and the SQS
dispatcher, started and stopped as one. `make run` is `python -m devstack`."""
