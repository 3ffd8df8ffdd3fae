# Regression (property tests): a nested def's decorators and default values, a lambda's
# default values and a nested class's bases run in the enclosing frame, so their yields are
# the enclosing function's own. The rewrite once left them, turning the `async def` into an
# async generator (caught by the compile check, file left unchanged).
from twisted.internet import defer


async def build(make_deferred, base_deferred):
    def helper(a=await defer.maybeDeferred(make_deferred)):  # default value
        return a

    pick = lambda b=await defer.maybeDeferred(make_deferred): b  # noqa: E731

    class Local(await defer.maybeDeferred(lambda: base_deferred)):
        def method(self):
            yield "a plain generator: its own frame"

    @(await defer.maybeDeferred(make_deferred))
    def decorated():
        pass

    return (helper(), pick(), Local, decorated)
