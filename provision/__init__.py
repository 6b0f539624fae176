"""Creates every resource a stage needs; the same code for the local emulator
and for AWS. Run ``python -m provision --stage STAGE``."""
