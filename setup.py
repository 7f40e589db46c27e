"""Build of the optional C kernels (metadata lives in pyproject.toml).

``optional=True``: without a C compiler the install still succeeds and the pure-Python
paths are used (:mod:`mechanism._native`).
"""

from setuptools import Extension, setup

#: -ffp-contract=fast: fused multiply-adds in the Gram kernel (exact there: every product
#: and partial sum is an integer below 2**52).
FLAGS = ["-O3", "-std=c11", "-D_GNU_SOURCE", "-ffp-contract=fast"]
#: The header both kernels include: a change to it rebuilds both.
DEPENDS = ["mechanism/_native/common.h"]

setup(
    ext_modules=[
        Extension("mechanism._native._sha256", ["mechanism/_native/sha256.c"],
                  extra_compile_args=FLAGS, libraries=["pthread"], depends=DEPENDS, optional=True),
        Extension("mechanism._native._select", ["mechanism/_native/select.c"],
                  extra_compile_args=FLAGS, libraries=["pthread"], depends=DEPENDS, optional=True),
    ],
)
