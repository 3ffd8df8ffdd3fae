# Regression (property tests): LibCST 1.9 drops `# first` when a module ends with indented
# comments, so converting anything here deleted it. The rewrite now parses with a final
# `pass` that keeps them, and cuts it off again.
from twisted.internet import defer


async def fetch(d):
    x = await defer.maybeDeferred(lambda: d)
    return x
    # first
  # second

   
 # third