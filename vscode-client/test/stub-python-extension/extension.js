// Tests only: the shape of the Python extension's environments API (see @vscode/python-extension).
const vscode = require('vscode');

function activate(context) {
    const changed = new vscode.EventEmitter();
    context.subscriptions.push(changed, vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('txasyncTestStub.pythonPath')) {
            changed.fire({ id: 'stub', path: current(), resource: undefined });
        }
    }));
    const current = (resource) => vscode.workspace.getConfiguration('txasyncTestStub', resource).get('pythonPath', '');
    return {
        ready: Promise.resolve(),
        environments: {
            getActiveEnvironmentPath(resource) {
                const uri = resource && resource.uri ? resource.uri : resource;
                const p = current(uri);
                // The real extension always answers something; "python" when nothing is selected.
                return { id: p || 'DEFAULT_PYTHON', path: p || 'python' };
            },
            async resolveEnvironment(env) {
                const p = typeof env === 'string' ? env : env.path;
                if (!p || p === 'python') {
                    return undefined;
                }
                return { id: p, path: p, executable: { uri: vscode.Uri.file(p) } };
            },
            onDidChangeActiveEnvironmentPath: changed.event,
        },
    };
}

module.exports = { activate, deactivate() {} };
