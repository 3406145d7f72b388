// Placeholder: lifter tests for aarch64 are being written.
