// Placeholder: lifter tests for mips are being written.
