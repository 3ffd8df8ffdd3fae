# `self.wait = wait` stores a value on a `Timer`: no class of that line has a method
# `wait`, so the store replaces no function, and `yield self.wait()` in `Job` is a plain
# `await`. A store on a receiver of unknown type (`holder.pause = ...`) may land on a
# `Job`: `yield self.pause()` keeps the conservative form.
from twisted.internet import defer


class Timer:
    def __init__(self, wait):
        self.wait = wait


class Job:
    def wait(self):
        return defer.succeed(1)

    def pause(self):
        return defer.succeed(2)

    @defer.inlineCallbacks
    def run(self, log):
        a = yield self.wait()
        b = yield self.pause()
        log.append((a, b))


def configure(holder):
    holder.pause = lambda: 0


def scenario(clock, log):
    Timer(0.5)
    d = Job().run(log)

    def plain(_):
        job = Job()
        configure(job)
        return job.run(log)

    d.addCallback(plain)
    return d
