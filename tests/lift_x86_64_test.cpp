// Placeholder: lifter tests for x86_64 are being written.
