"""An installed environment: the probe that reads it, the judgement of doctor and guard, the NVIDIA driver."""
