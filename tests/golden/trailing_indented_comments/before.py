# Regression (property tests): LibCST 1.9 drops `# first` when a module ends with indented
# comments, so converting anything here deleted it. The rewrite now parses with a final
# `pass` that keeps them, and cuts it off again.
from twisted.internet import defer


@defer.inlineCallbacks
def fetch(d):
    x = yield d
    defer.returnValue(x)
    # first
  # second

   
 # third