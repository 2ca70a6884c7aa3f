"""Installed beside another distribution that registers the same command
names (a stand-in for oio's built-ins), the plugin's commands run, whichever
of the two is enumerated last; OIO_ELECTION_BUILTIN=1 picks the other."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Runs a shell built like oio's with the given directories first on sys.path,
# so that entry points are enumerated in that order.
DRIVER = textwrap.dedent("""
    import json, sys
    first = json.loads(sys.argv[1])
    sys.path[0:0] = first
    sys.path.insert(0, %r)
    import fakeoio
    namespace, group = sys.argv[2], sys.argv[3]
    from importlib.metadata import entry_points
    eps = entry_points().select(group=group, name="election_status")
    code, out, err = fakeoio.run(
        ["election", "status", "meta2", "FVE0", "--oio-account", "acct",
         "-f", "json", "--no-check", "--debug"] if "--builtin" not in sys.argv else
        ["election", "status", "meta2", "FVE0", "-f", "json"],
        namespace=namespace, group=group)
    help_code, help_out, _ = fakeoio.run(["election", "status", "--help"],
                                         namespace=namespace, group=group)
    from cliff.commandmanager import CommandManager
    manager = CommandManager(namespace)
    manager.add_command_group(group)
    print(json.dumps({"code": code, "out": out, "err": err, "help": help_out,
                      "enumerated": [ep.value for ep in eps],
                      "cliff_picked": manager.commands["election status"].value}))
""" % HERE)


def pip_target(source, target):
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", "--target", str(target), source],
        check=True, capture_output=True)


@pytest.fixture(scope="module")
def installs(tmp_path_factory):
    """The stand-in, and a regular (non-editable) install of the plugin,
    each in its own directory."""
    base = tmp_path_factory.mktemp("installs")
    pip_target(os.path.join(HERE, "standin"), base / "standin")
    pip_target(ROOT, base / "plugin")
    return {"standin": str(base / "standin"), "plugin": str(base / "plugin")}


def shell(order, installs, namespace, group, builtin=False):
    env = dict(os.environ)
    env.pop("OIO_ELECTION_BUILTIN", None)
    if builtin:
        env["OIO_ELECTION_BUILTIN"] = "1"
    argv = [sys.executable, "-c", DRIVER,
            json.dumps([installs[name] for name in order]), namespace, group]
    if builtin:
        argv.append("--builtin")
    done = subprocess.run(argv, capture_output=True, text=True, env=env,
                          cwd=HERE, check=True)
    return json.loads(done.stdout)


SHELLS = [("oiopy.cli", "openio.election"), ("openio.admin", "openio.admin")]
ORDERS = [("standin", "plugin"), ("plugin", "standin")]


@pytest.mark.parametrize("namespace,group", SHELLS)
@pytest.mark.parametrize("order", ORDERS)
def test_plugin_runs_whatever_the_enumeration_order(installs, order,
                                                    namespace, group):
    result = shell(order, installs, namespace, group)
    # the enumeration order really differs between the two cases
    enumerated = [v.split(":")[0].split(".")[0] for v in result["enumerated"]]
    packages = ["oio_builtin_standin" if name == "standin"
                else "oio_election_sync" for name in order]
    assert enumerated == packages
    # ... and so does the class cliff itself picks (the last one enumerated)
    assert result["cliff_picked"].startswith(packages[-1])
    rows = json.loads(result["out"])
    assert result["code"] == 0, result["err"]
    assert [r["Role"] for r in rows] == ["master", "slave", "slave"]
    # cliff's duplicate warning is answered by the takeover: not shown
    assert "duplicate" not in result["err"]
    # --help is ours too, and says so
    assert "Implementation: oio-election-sync" in result["help"]
    assert "--no-check" in result["help"]
    # --debug names the implementation, and what it replaced
    line = [l for l in result["err"].splitlines()
            if l.startswith("election status: oio-election-sync")][0]
    assert "(oio_election_sync.election.ElectionStatus)" in line
    replaced = packages[-1] == "oio_builtin_standin"
    assert ("in place of oio_builtin_standin.BuiltinStatus" in line) == replaced


@pytest.mark.parametrize("order", ORDERS)
def test_builtin_fallback_whatever_the_order(installs, order):
    result = shell(order, installs, "oiopy.cli", "openio.election",
                   builtin=True)
    assert json.loads(result["out"]) == [
        {"Id": "builtin-standin", "Status": 0, "Message": ""}]


def test_plugin_alone(installs):
    result = shell(["plugin"], installs, "oiopy.cli", "openio.election")
    assert [r["Id"] for r in json.loads(result["out"])] == [
        "127.0.0.1:6005", "127.0.0.1:6006", "127.0.0.1:6007"]


def test_builtin_fallback_without_builtin_says_so(installs):
    result = shell(["plugin"], installs, "oiopy.cli", "openio.election",
                   builtin=True)
    assert "has no built-in 'election status'" in result["err"]
    assert result["code"] == 2  # the plugin ran: no account given
