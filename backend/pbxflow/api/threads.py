"""Run blocking handler bodies (psycopg, argon2) in worker threads.

Litestar's own sync_to_thread mis-handles several sync handlers returning
``Response`` on one path (the GET and PATCH of an item both answered 500), so
handlers are async wrappers around the blocking body instead.
"""

import functools

import anyio.to_thread


def threaded(fn):
    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))

    return wrapper
