"""Installed beside another distribution that registers the same command
names (a stand-in for oio's built-ins), the plugin's commands run, whichever
of the two is enumerated last; OIO_ELECTION_BUILTIN=1 picks the other."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# Runs a shell built like oio's with the stand-in's directory before or after
# the environment that holds the plugin, so that entry points are enumerated
# in that order.
DRIVER = textwrap.dedent("""
    import json, sys
    where, standin = sys.argv[1], json.loads(sys.argv[4])
    if where == "before":
        sys.path[0:0] = standin
    else:
        sys.path.extend(standin)
    sys.path.insert(0, %r)
    import fakeoio
    namespace, group = sys.argv[2], sys.argv[3]
    from importlib.metadata import entry_points
    from oio_election_sync.takeover import _entry_points
    eps = [ep for ep in _entry_points(entry_points(), group)
           if ep.name == "election_status"]
    argv = ["election", "status", "meta2", "FVE0", "-f", "json"]
    if "--builtin" not in sys.argv:
        argv += ["--oio-account", "acct", "--no-check", "--debug"]
    code, out, err = fakeoio.run(argv, namespace=namespace, group=group)
    help_code, help_out, _ = fakeoio.run(["election", "status", "--help"],
                                         namespace=namespace, group=group)
    manager = fakeoio.OioCommandManager(namespace)
    manager.add_command_group(group)
    ep = manager.commands["election status"]
    # importlib.metadata (cliff 3.10+) or pkg_resources (cliff 2.x)
    picked = getattr(ep, "value", None) or "%%s:%%s" %% (
        ep.module_name, ".".join(ep.attrs))
    print(json.dumps({"code": code, "out": out, "err": err, "help": help_out,
                      "enumerated": [ep.value for ep in eps],
                      "cliff_picked": picked}))
""" % HERE)


def pip_target(source, target):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            source,
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """The stand-in distribution, installed in a directory of its own."""
    installs = tmp_path_factory.mktemp("installs")
    # built from a copy: test runs side by side would share its build files
    source = installs / "standin-source"
    shutil.copytree(os.path.join(HERE, "standin"), str(source))
    target = installs / "standin"
    pip_target(str(source), target)
    return str(target)


def shell(where, standin, namespace, group, builtin=False):
    env = dict(os.environ)
    env.pop("OIO_ELECTION_BUILTIN", None)
    if builtin:
        env["OIO_ELECTION_BUILTIN"] = "1"
    argv = [
        sys.executable,
        "-c",
        DRIVER,
        where,
        namespace,
        group,
        json.dumps([standin] if standin else []),
    ]
    if builtin:
        argv.append("--builtin")
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=HERE, check=True
    )
    return json.loads(done.stdout)


SHELLS = [("oiopy.cli", "openio.election"), ("openio.admin", "openio.admin")]
ORDERS = {
    "before": ["oio_builtin_standin", "oio_election_sync"],
    "after": ["oio_election_sync", "oio_builtin_standin"],
}


@pytest.mark.parametrize("namespace,group", SHELLS)
@pytest.mark.parametrize("where", sorted(ORDERS))
def test_plugin_runs_whatever_the_enumeration_order(
    standin, where, namespace, group
):
    result = shell(where, standin, namespace, group)
    # the enumeration order really differs between the two cases
    enumerated = [v.split(":")[0].split(".")[0] for v in result["enumerated"]]
    packages = ORDERS[where]
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
    line = [
        text
        for text in result["err"].splitlines()
        if text.startswith("election status: oio-election-sync")
    ][0]
    assert "(oio_election_sync.election.ElectionStatus)" in line
    replaced = packages[-1] == "oio_builtin_standin"
    assert (
        "in place of oio_builtin_standin.BuiltinStatus" in line
    ) == replaced


@pytest.mark.parametrize("where", sorted(ORDERS))
def test_builtin_fallback_whatever_the_order(standin, where):
    result = shell(
        where, standin, "oiopy.cli", "openio.election", builtin=True
    )
    assert json.loads(result["out"]) == [
        {"Id": "builtin-standin", "Status": 0, "Message": ""}
    ]


def test_plugin_alone():
    result = shell("after", None, "oiopy.cli", "openio.election")
    assert [r["Id"] for r in json.loads(result["out"])] == [
        "127.0.0.1:6005",
        "127.0.0.1:6006",
        "127.0.0.1:6007",
    ]


def test_builtin_fallback_without_builtin_says_so():
    result = shell("after", None, "oiopy.cli", "openio.election", builtin=True)
    assert "has no built-in 'election status'" in result["err"]
    assert result["code"] == 2  # the plugin ran: no account given
