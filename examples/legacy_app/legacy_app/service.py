"""
Background work: a service that periodically snapshots the total balance
and warms the handler's cache shortly after startup.
"""

from typing import TYPE_CHECKING

from twisted.application import service
from twisted.internet import defer as txdefer
from twisted.internet import task
from twisted.python import log

if TYPE_CHECKING:
    from legacy_app.handlers import AccountHandler

STATS_KEY = "stats:last_total"


class StatsService(service.Service):
    name = "stats"

    def __init__(self, handler: "AccountHandler", interval=60, warmup_delay=5, clock=None):
        if clock is None:
            from twisted.internet import reactor as clock
        self.handler = handler
        self.interval = interval
        self.warmup_delay = warmup_delay
        self.clock = clock
        self.snapshots = []
        self.warmed = None
        self._loop = task.LoopingCall(self.tick)
        self._loop.clock = clock
        self._loop_done = None
        self._warmup_call = None

    def startService(self):
        service.Service.startService(self)
        self._loop_done = self._loop.start(self.interval, now=True)
        self._loop_done.addErrback(log.err, "stats loop died")
        self._warmup_call = self.clock.callLater(self.warmup_delay, self.warm_cache)

    @txdefer.inlineCallbacks
    def tick(self):
        total = yield self.handler.total_balance()
        self.snapshots.append((self.clock.seconds(), total))
        txdefer.returnValue(total)

    @txdefer.inlineCallbacks
    def warm_cache(self):
        # Touch every account once so the first web requests hit the cache.
        names = yield self.handler.list_accounts()
        for name in names:
            yield self.handler.get_balance(name)
        self.warmed = names

    @txdefer.inlineCallbacks
    def stopService(self):
        service.Service.stopService(self)
        if self._warmup_call is not None and self._warmup_call.active():
            self._warmup_call.cancel()
        if self._loop.running:
            self._loop.stop()
        # If a tick is in flight this waits for it to finish.
        yield self._loop_finished()
        if self.snapshots:
            yield self.handler.store.put(STATS_KEY, self.snapshots[-1][1])

    def _loop_finished(self):
        """A Deferred of its own that fires once the loop's has: waiting on the loop's
        Deferred itself would take its turn in a chain others hold (its errback logs)."""
        if self._loop_done is None:
            return txdefer.succeed(None)
        finished = txdefer.Deferred()
        self._loop_done.addBoth(lambda result: (finished.callback(None), result)[1])
        return finished


def make_application(store=None, port=8080):
    """
    Build the whole application; used by the .tac file in deployment.
    """
    from twisted.application import internet

    from legacy_app import handlers, storage, web

    store = store if store is not None else storage.Store()
    handler = handlers.AccountHandler(store)
    application = service.Application("legacy_app")
    StatsService(handler).setServiceParent(application)
    internet.TCPServer(port, web.make_site(handler)).setServiceParent(application)
    return application
