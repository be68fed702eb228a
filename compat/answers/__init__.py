"""Answers from the matrix: a release's requirements, the releases that accept an mmcv, stacks for a machine, the
prebuilt wheels, exports."""
