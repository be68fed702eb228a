"""Judgements of an environment: doctor's diagnosis (:mod:`.diagnose`), guard's verdict on a planned install
(:mod:`.guard`) and the direct references it names (:mod:`.direct`). They read the environment through
:mod:`compat.environment` and answer with :mod:`compat.answers` and :mod:`compat.install`."""
