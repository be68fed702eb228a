"""An installed environment read: its distributions as records (:mod:`.installed`, from :mod:`compat.probe`),
the NVIDIA driver and GPU, the target interpreter, and the import checks run inside it (:mod:`.proof`)."""
