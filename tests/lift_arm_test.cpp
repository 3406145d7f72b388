// Placeholder: lifter tests for arm are being written.
