"""User-facing errors.

Every mistake a user can make (bad config value, missing file, malformed dataset row, unknown
method) raises a SelfAlignError whose message says which value was wrong, what was expected and
what to do. The CLI prints the message as one paragraph and exits non-zero without a traceback.
"""

import os
import re
import sys
import textwrap

EXIT_USER_ERROR = 2


def print_error(err: Exception) -> None:
    body = textwrap.fill(str(err), width=100, break_long_words=False, break_on_hyphens=False)
    print(f"\nselfalign: error: {body}\n", file=sys.stderr)


class SelfAlignError(Exception):
    """An error caused by user input, reported without a traceback."""


class ConfigError(SelfAlignError):
    """A config value is out of range or of the wrong kind."""


class StateError(SelfAlignError):
    """A run directory's or cache's stored state is damaged: a finished stage's file changed or
    vanished, an unreadable marker, a corrupt database."""


class DataError(SelfAlignError):
    """A dataset file or row does not have the expected shape."""


class ModelLoadError(SelfAlignError):
    """A model or tokenizer cannot be loaded from the given name or path."""


class TokenizerContractError(SelfAlignError):
    """A tokenizer cannot serve a logit judge (e.g. a digit or letter is not one token)."""


class ServiceError(SelfAlignError):
    """An outside service the user configured (the API annotator's endpoint) cannot be reached or
    refused the request: no network, a wrong address, a bad key, no quota."""


class StorageError(SelfAlignError):
    """The disk refused a write: full, read-only, no permission, or a file where a folder must be."""


_STORAGE = {
    "ENOSPC": "the disk is full", "EDQUOT": "the disk quota is used up", "EROFS": "the file system is read-only",
    "EACCES": "permission is denied", "EPERM": "permission is denied",
    "ENOTDIR": "a part of the path is a file, not a folder", "EEXIST": "a file is in the way of a folder",
}


def storage_error(err: OSError) -> StorageError | None:
    """The user-facing form of an OSError the user's storage caused (None for anything else)."""
    import errno

    name = errno.errorcode.get(err.errno or -1, "")
    if name not in _STORAGE:
        return None
    where = err.filename or "a run or cache folder"
    return StorageError(f"Cannot write {where}: {_STORAGE[name]}. Runs go to SELFALIGN_RUNS (or store.root) and shared "
                        f"models to SELFALIGN_CACHE (or store.cache). To fix: free space or fix the permissions there, "
                        f"or point those at a writable folder. Finished stages are kept, so the same command resumes.")


_RUST_IO_ERROR = re.compile(r"\(os error (\d+)\)")


def as_os_error(err: BaseException, where: os.PathLike | str) -> OSError | None:
    """Libraries written in Rust (safetensors, tokenizers) report a failed write as their own
    exception, whose text ends in '(os error N)'. This is the OSError it stands for, naming
    `where`, so a full disk while saving weights gets the same paragraph as any other write."""
    found = _RUST_IO_ERROR.search(str(err))
    if isinstance(err, OSError) or not found:
        return None
    number = int(found.group(1))
    return OSError(number, os.strerror(number), str(where))
