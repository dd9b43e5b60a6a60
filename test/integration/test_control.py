# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 vunet authors
"""The control plane: vunetctl and the control socket change a running
switch without disturbing the rest of it, refuse bad requests without a
trace, and a vunetd killed with SIGKILL comes back as it was."""

import json
import os
import shutil
import subprocess
import threading
import time

from harness import VUNETD, Guest, VhostUserProbe, wait_for

B = Guest.BURST
MAC = {i: "52:54:00:00:01:%02x" % i for i in range(1, 10)}


def base_config(world, mode="server"):
    return {"bridges": [{"name": "br0"}],
            "ports": [{"name": n, "type": "vhost", "path": world.sock(n), "mode": mode,
                       "bridge": "br0"} for n in ("vm1", "vm2")]}


def state_bytes(d):
    with open(d.state, "rb") as f:
        return f.read()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_vunetctl_builds_a_switch_that_forwards(world):
    d = world.vunetd({}).start()
    d.ctl("bridge", "add", "br0", "aging_sec=60")
    for n in ("vm1", "vm2"):
        d.ctl("port", "add", n, "type=vhost", "path=" + world.sock(n), "mode=server",
              "bridge=br0", "vlan=7")
    ports = d.ctl("port", "list")
    # no profile given: the latest, pinned
    latest = json.loads(subprocess.run([VUNETD, "--print-capabilities"], capture_output=True,
                                       text=True, check=True).stdout)["latest_profile"]
    assert [(p["name"], p["bridge"], p["vlan"], p["profile"]) for p in ports] == \
        [("vm1", "br0", 7, latest), ("vm2", "br0", 7, latest)]
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2")
    assert g1.send(3) == 3 * B
    wait_for(lambda: g2.rx() == 3 * B, 10, "vm1 -> vm2")
    wait_for(lambda: len(d.ctl("mac", "show", "br0")) == 1, 10, "learning")
    macs = d.ctl("mac", "show")
    assert [(m["mac"], m["vlan"], m["port"]) for m in macs] == [(MAC[1], 7, "vm1")]
    st = d.ctl("stats", "vm1")
    assert st["ports"][0]["rx_packets"] == 3 * B and st["ports"][0]["rx_bytes"] == 3 * B * 64
    assert st["ports"][0]["rxq"][0]["packets"] == 3 * B
    assert st["workers"][0]["packets"] == 3 * B
    assert d.ctl("mac", "flush", "br0") == {"flushed": 1}
    assert d.ctl("mac", "show") == []
    # the human tables carry the same numbers
    text = d.ctl("stats", json_out=False)
    assert "vm1" in text and str(3 * B) in text and "CYCLES/PKT" in text
    watch = d.ctl("stats", "--watch", "--interval", "0.2", "--count", "2", json_out=False)
    assert watch.count("RX-PPS") == 2
    # every drop reason, its count and what it means, from vunetd's list
    rows = d.ctl("stats", "--drops", "vm2", json_out=False).splitlines()
    assert rows[0].split() == ["DROP", "PACKETS", "MEANING"] and len(rows) == 1 + 23
    assert rows[1].split()[:3] == ["spoofed_src", "0", "source"]
    assert rows[-2].split()[:2] == ["arp_backlog", "0"]
    assert "ARP while the control thread is behind" in rows[-2]
    # worker counters from their one list, loops included
    assert st["workers"][0]["iterations"] > 0 and st["workers"][0]["learn_lost"] == 0
    # the state file holds what was asked, profile pinned
    saved = d.ctl("config", "show")
    assert saved["ports"][0]["profile"] == latest
    assert saved["bridges"] == [{"name": "br0", "aging_sec": 60}]


def test_queues_move_between_workers_and_stay_moved(world):
    d = world.vunetd(base_config(world), extra_args=["-w", "0,0"]).start()
    before = {(q["port"], q["queue"]): w["worker"] for w in d.ctl("rxq", "show") for q in w["queues"]}
    assert len(before) == 2 * 8     # two ports of profile v2: 8 queue pairs each
    target = 1 - before[("vm1", 0)]
    d.ctl("rxq", "pin", "vm1", "0", str(target))
    after = {(q["port"], q["queue"]): (w["worker"], q["pinned"])
             for w in d.ctl("rxq", "show") for q in w["queues"]}
    assert after[("vm1", 0)] == (target, True)
    assert sum(1 for v in after.values() if v[1]) == 1
    r = d.ctl("rxq", "pin", "vm1", "0", "5", check=False)
    assert r.returncode == 1 and "worker 5 does not exist" in r.stderr
    r = d.ctl("rxq", "pin", "vm1", "9", "0", check=False)
    assert r.returncode == 1 and "receive queues 0 to 7, not 9" in r.stderr
    assert d.ctl("config", "show")["ports"][0]["rxq_workers"] == [target]
    # a guest on the moved queue still forwards
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2")
    assert g1.send(2) == 2 * B
    wait_for(lambda: g2.rx() == 2 * B, 10, "vm1 -> vm2 through the moved queue")
    d.ctl("rxq", "pin", "vm1", "0", "auto")
    assert "rxq_workers" in d.ctl("config", "show")["ports"][0]
    assert not any(q["pinned"] for w in d.ctl("rxq", "show") for q in w["queues"])


def test_bad_requests_are_refused_and_change_nothing(world):
    d = world.vunetd(base_config(world), extra_args=["--allow-devargs", "net_af_packet,iface=vunet-*"]).start()
    before = state_bytes(d)
    listed = d.ctl("port", "list")
    long_path = "/tmp/" + "s" * 110
    cases = [
        ('{"command": "frobnicate"}', "unknown command 'frobnicate'; commands: version"),
        ('{"command": "port-add", "port": ', "bad JSON"),
        ("[1, 2]", "a request must be a JSON object"),
        ('{"port": {}}', 'a request needs "command"'),
        ({"command": "port-del", "name": 7}, "port-del: argument 'name' must be a string"),
        ({"command": "port-add", "port": "vm3"}, "port-add: argument 'port' must be an object"),
        ({"command": "port-add"}, "port-add: argument 'port' is missing"),
        ({"command": "port-show", "name": "vm1", "extra": 1}, "port-show: unknown argument 'extra'"),
        ({"command": "rxq-pin", "port": "vm1", "queue": "0", "worker": 0},
         "rxq-pin: argument 'queue' must be an integer"),
        ({"command": "port-add", "port": {"name": "vm1", "type": "vhost", "path": world.sock("x")}},
         "a port named 'vm1' exists already"),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost", "path": world.sock("vm1")}},
         "'%s' is already the socket of port 'vm1'" % world.sock("vm1")),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost", "path": long_path}},
         "ports[2].path: is %d bytes long, the limit is 107" % len(long_path)),
        ({"command": "port-add", "port": {"name": "nic", "type": "eth",
                                          "devargs": "net_af_packet7,iface=vunet-nonesuch"}},
         "ports[2] 'nic': cannot probe device 'net_af_packet7,iface=vunet-nonesuch'"),
        ({"command": "port-add", "port": {"name": "nic", "type": "eth",
                                          "devargs": "net_pcap0,tx_pcap=/etc/x"}},
         "port-add: devargs 'net_pcap0,tx_pcap=/etc/x' may not be probed at run time: "
         "no --allow-devargs rule names its device"),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost", "path": "/etc/vm3.sock"}},
         "ports[2] 'vm3': /etc/vm3.sock is not a socket in the socket directory %s "
         "(vunetd --socket-dir)" % world.dir),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost",
                                          "path": world.dir + "/../vm3.sock"}},
         "is not a socket in the socket directory"),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost", "path": world.sock("vm3"),
                                          "profile": "org.vunet.net.v99"}},
         "this vunetd has no profile 'org.vunet.net.v99'"),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost", "path": world.sock("vm3"),
                                          "bridge": "br9"}},
         "ports[2].bridge: no bridge is named 'br9'"),
        ({"command": "port-add", "port": {"name": "vm3", "type": "vhost", "path": world.sock("vm3"),
                                          "vlan": 5000, "bridge": "br0"}},
         "ports[2].vlan: 5000 is out of range 1..4094"),
        ({"command": "bridge-add", "bridge": {"name": "br0"}}, "a bridge named 'br0' exists already"),
        ({"command": "bridge-del", "name": "br0"}, "bridge 'br0' still has ports: vm1, vm2"),
        ({"command": "port-del", "name": "vm9"}, "port-del: no port is named 'vm9'"),
        ({"command": "xconnect-add", "a": "vm1", "b": "vm2"}, "port 'vm1' is in bridge 'br0'"),
        ({"command": "log-set", "type": "user1", "level": "loud"}, "level 'loud' is not one of"),
        ({"command": "log-set", "type": "vunet.nosuch", "level": "debug"},
         "no log type is 'vunet.nosuch'; vunetd's own are vunet.main, vunet.daemon, vunet.ctl"),
        ("x" * 70000, "request longer than 65536 bytes"),
    ]
    for req, why in cases:
        reply = d.request(req)
        assert reply["ok"] is False, (req, reply)
        assert why in reply["error"], (req, reply["error"])
        assert state_bytes(d) == before, req
    # vunetctl says the same on stderr, exit 1
    r = d.ctl("port", "add", "vm3", "type=vhost", "path=" + world.sock("vm3"), "vlan=x",
              "bridge=br0", check=False)
    assert r.returncode == 1 and "ports[2].vlan: must be an integer" in r.stderr
    r = d.ctl("port", "add", "nic", "type=eth", "devargs=net_af_packet9,iface=vunet-x",
              "tx_offloads=no", check=False)
    assert r.returncode == 1 and "ports[2].tx_offloads: must be true or false" in r.stderr
    r = d.ctl("port", "frob", check=False)
    assert r.returncode == 2
    assert state_bytes(d) == before
    assert d.ctl("port", "list") == listed
    # and the daemon still forwards
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2")
    assert g1.send(1) == B
    wait_for(lambda: g2.rx() == B, 10, "forwarding after the refusals")


def test_each_module_logs_under_its_own_type(world):
    d = world.vunetd({}).start()
    # vunet.ctl quiet: its "done" lines go, vunet.daemon's still come
    assert d.ctl("log", "set", "vunet.ctl", "warning") == {}
    mark = len(d.out.text())
    d.ctl("bridge", "add", "br1")
    d.ctl("bridge", "add", "br2")
    d.ctl("port", "add", "vm1", "type=vhost", "path=" + world.sock("vm1"), "bridge=br1")
    d.ctl("port", "del", "vm1")
    wait_for(lambda: "control: port vm1: removed" in d.out.text()[mark:], 5, "the daemon's line")
    assert "done" not in d.out.text()[mark:]
    # a pattern reaches several: both quiet now
    assert d.ctl("log", "set", "vunet.*", "warning") == {}
    mark = len(d.out.text())
    d.ctl("port", "add", "vm1", "type=vhost", "path=" + world.sock("vm1"), "bridge=br1")
    d.ctl("port", "del", "vm1")
    d.ctl("log", "set", "vunet.ctl", "info")
    d.ctl("bridge", "del", "br2")
    wait_for(lambda: "control: bridge-del done" in d.out.text()[mark:], 5, "vunet.ctl's line")
    text = d.out.text()[mark:]
    assert "port-add done" not in text and "port vm1: removed" not in text, text
    r = d.ctl("log", "set", "user2x", "debug", check=False)
    assert r.returncode == 1 and "no log type is 'user2x'" in r.stderr


def test_a_change_that_cannot_be_saved_changes_nothing(world):
    d = world.vunetd(base_config(world)).start()
    before, listed = state_bytes(d), d.ctl("port", "list")
    # a directory where the temporary state file goes: the save fails
    os.makedirs(d.state + ".tmp/x")
    add = ["port", "add", "vm3", "type=vhost", "mode=server", "path=" + world.sock("vm3"),
           "bridge=br0"]
    r = d.ctl(*add, check=False)
    assert r.returncode == 1, r
    assert "cannot save the state in %s" % d.state in r.stderr
    assert r.stderr.rstrip().endswith("; the change is undone"), r.stderr
    # the port was made before the save and closed again; nothing else moved
    wait_for(lambda: "port: vm3: closed" in d.out.text(), 5, "vm3 to be closed")
    time.sleep(0.2)
    assert not os.path.exists(world.sock("vm3"))
    assert d.ctl("port", "list") == listed
    assert state_bytes(d) == before
    shutil.rmtree(d.state + ".tmp")
    d.ctl(*add)
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1", "vm2", "vm3"]
    assert state_bytes(d) != before
    wait_for(lambda: os.path.exists(world.sock("vm3")), 5, "the socket of vm3")


def test_control_socket_is_private(world):
    d = world.vunetd(base_config(world)).start()
    assert oct(os.stat(d.control).st_mode & 0o777) == "0o600"
    # another user is refused by the peer check even if the file let it in
    os.chmod(d.control, 0o666)
    os.chmod(world.dir, 0o755)
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "/usr/bin/python3", "-c",
                        "import socket;s=socket.socket(socket.AF_UNIX);s.connect(%r);"
                        "print(s.recv(4096).decode())"
                        % d.control], capture_output=True, text=True, timeout=30)
    assert '"ok": false' in r.stdout and "permission denied" in r.stdout, r
    assert d.request({"command": "port-list"})["ok"] is True


def test_removing_a_connected_port_disconnects_its_front_end(world):
    d = world.vunetd(base_config(world)).start()
    d.ctl("port", "add", "vm3", "type=vhost", "path=" + world.sock("vm3"), "mode=server",
          "bridge=br0")
    probe = VhostUserProbe(world.sock("vm3"))
    assert probe.offer()["queue_num"] == 8
    d.ctl("port", "del", "vm3")
    probe.s.settimeout(10)
    assert probe.s.recv(100) == b""     # closed by vunetd
    probe.close()
    assert not os.path.exists(world.sock("vm3"))
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1", "vm2"]


def test_adding_and_removing_ports_under_traffic_loses_nothing(world):
    d = world.vunetd(base_config(world)).start()
    g1 = world.guest(world.sock("vm1"), MAC[1], peer=MAC[2]).start()
    g2 = world.guest(world.sock("vm2"), MAC[2], peer=MAC[1]).start()
    d.wait_up("vm1", "vm2")
    # learn both MACs first: afterwards the pair is unicast only
    g2.send(1)
    wait_for(lambda: g1.rx() == B, 10, "vm2 -> vm1")
    wait_for(lambda: d.telemetry("/vunet/bridges")["br0"]["macs"] == 1, 10, "learning")
    g1.send(1)
    wait_for(lambda: g2.rx() == B, 10, "vm1 -> vm2")

    def cycle(i):
        name = "tmp%d" % i
        if i % 25 == 0:
            assert d.request({"command": "bridge-add", "bridge": {"name": "brx"}})["ok"]
        r = d.request({"command": "port-add", "port": {
            "name": name, "type": "vhost", "path": world.sock(name), "mode": "server",
            "bridge": "br0" if i % 2 else "brx" if i % 25 < 24 else "br0"}})
        assert r["ok"], r
        r = d.request({"command": "port-del", "name": name})
        assert r["ok"], r
        if i % 25 == 24:
            assert d.request({"command": "bridge-del", "name": "brx"})["ok"]

    for i in range(10):          # warm-up: pools and tables reach their size
        cycle(i)
    heap0 = d.telemetry("/eal/heap_info,0")
    rss0 = rss_kib(d.proc.pid)
    errors = []
    done = threading.Event()

    def churn():
        try:
            for i in range(10, 110):
                cycle(i)
        except Exception as e:  # reported below, with the counts
            errors.append(repr(e))
        done.set()

    # a fixed population of 4 bursts bounces between the two guests
    # (macswap) for as long as the churn lasts: fewer than a ring holds,
    # so nothing may be dropped, and every packet is counted at both ends
    t0s = {g: g.stats() for g in (g1, g2)}
    for g in (g2, g1):
        g.cmd("stop")
        g.cmd("set fwd macswap")
    g2.cmd("start")
    g1.cmd("start tx_first 4")
    t = threading.Thread(target=churn)
    t0 = time.monotonic()
    t.start()
    t.join()
    churn_s = time.monotonic() - t0
    # drain: each side stops sending back, then only receives
    for g in (g1, g2):
        g.cmd("stop")
        g.cmd("set fwd rxonly")
        g.cmd("start")

    def totals():
        st = {g: g.stats() for g in (g1, g2)}
        return (sum(st[g]["tx"] - t0s[g]["tx"] for g in st),
                sum(st[g]["rx"] - t0s[g]["rx"] for g in st))
    wait_for(lambda: totals()[0] == totals()[1], 10, "every packet of the pair")
    time.sleep(0.3)
    sent, received = totals()
    assert not errors, errors
    heap1 = d.telemetry("/eal/heap_info,0")
    rss1 = rss_kib(d.proc.pid)
    print("\n100 port add/remove cycles in %.1f s under traffic: the guests sent %d and "
          "received %d packets; DPDK heap allocations %d -> %d (%d -> %d bytes); RSS %d -> %d KiB"
          % (churn_s, sent, received, heap0["Alloc_count"], heap1["Alloc_count"],
             heap0["Alloc_size"], heap1["Alloc_size"], rss0, rss1))
    assert received == sent and sent > 10000
    assert sum(d.port("vm1")["drops"].values()) == 0
    assert sum(d.port("vm2")["drops"].values()) == 0
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1", "vm2"]
    assert heap1["Alloc_count"] == heap0["Alloc_count"]
    assert heap1["Alloc_size"] == heap0["Alloc_size"]
    assert rss1 - rss0 < 4096, "RSS grew by %d KiB" % (rss1 - rss0)


def test_sigkill_restores_everything_and_traffic_resumes(world):
    # guests own their sockets (libvirt's usual way), so they outlive vunetd
    d = world.vunetd({}).start()
    d.ctl("bridge", "add", "br0", "fdb_size=1024")
    d.ctl("bridge", "add", "br1")
    for n in ("vm1", "vm2"):
        d.ctl("port", "add", n, "type=vhost", "path=" + world.sock(n), "mode=client",
              "profile=org.vunet.net.v1", "bridge=br0", "vlan=3")
    for n in ("vm3", "vm4"):
        d.ctl("port", "add", n, "type=vhost", "path=" + world.sock(n), "mode=client")
    d.ctl("xconnect", "add", "vm3", "vm4")
    d.ctl("port", "add", "srv", "type=vhost", "path=" + world.sock("srv"), "mode=server",
          "bridge=br1", "allowed_macs=52:54:00:00:01:09")
    d.ctl("rxq", "pin", "vm2", "1", "0")
    g = {n: world.guest(world.sock(n), MAC[i], peer=MAC[j], server=True).start(wait_link=False)
         for n, i, j in (("vm1", 1, 2), ("vm2", 2, 1), ("vm3", 3, 4), ("vm4", 4, 3))}
    d.wait_up("vm1", "vm2", "vm3", "vm4")
    assert g["vm1"].send(2) == 2 * B
    wait_for(lambda: g["vm2"].rx() == 2 * B, 10, "vm1 -> vm2")
    assert g["vm3"].send(2) == 2 * B
    wait_for(lambda: g["vm4"].rx() == 2 * B, 10, "vm3 -> vm4")

    def layout():
        ports = [{k: v for k, v in p.items() if k != "state"} for p in d.ctl("port", "list")]
        return (ports, [{k: b[k] for k in ("name", "fdb_size", "aging_sec", "ports")}
                        for b in d.ctl("bridge", "list")],
                d.ctl("xconnect", "list"),
                [(w["worker"], [(q["port"], q["queue"], q["pinned"]) for q in w["queues"]])
                 for w in d.ctl("rxq", "show")],
                d.ctl("config", "show"))

    before = layout()
    saved = state_bytes(d)
    # vm3 and vm4 keep bouncing 4 bursts (macswap) while vunetd dies
    for n in ("vm4", "vm3"):
        g[n].cmd("stop")
        g[n].cmd("set fwd macswap")
    g["vm4"].cmd("start")
    g["vm3"].cmd("start tx_first 4")
    wait_for(lambda: d.port("vm4")["rx_packets"] > 10000, 10, "vm3 <-> vm4 bouncing")
    d.kill()                     # SIGKILL, mid-traffic
    assert state_bytes(d) == saved
    assert os.path.exists(world.sock("srv"))    # stale, as a crash leaves it

    t0 = time.monotonic()
    d.start()
    d.wait_up("vm1", "vm2", "vm3", "vm4", timeout=30)
    t_up = time.monotonic() - t0
    for n in ("vm3", "vm4"):     # what still bounces lands and stays
        g[n].cmd("stop")
        g[n].cmd("set fwd rxonly")
        g[n].cmd("start")
    time.sleep(0.3)
    rx2, rx4 = g["vm2"].rx(), g["vm4"].rx()
    g["vm1"].send(2)
    g["vm3"].send(2)
    wait_for(lambda: g["vm2"].rx() - rx2 == 2 * B and g["vm4"].rx() - rx4 == 2 * B, 20,
             "traffic after the restart")
    t_flow = time.monotonic() - t0
    print("\nrecovery after SIGKILL: guests up %.2f s, traffic through %.2f s after the restart"
          " (the second includes switching two guests to rxonly)" % (t_up, t_flow))
    assert "restoring the state saved in %s" % d.state in d.out.text()
    assert layout() == before
    # the server-mode socket is live again, not the stale file
    probe = VhostUserProbe(world.sock("srv"))
    assert probe.offer()["queue_num"] == 8
    probe.close()


def test_state_file_errors_and_reset(world):
    d = world.vunetd(base_config(world)).start()
    d.ctl("port", "del", "vm2")
    d.stop()
    # a second vunetd on the same control socket is refused while one runs
    d.start()
    other = world.vunetd({}, name="other", extra_args=["--control", d.control, "--state", "none"])
    code, out = other.run_to_exit()
    assert code == 1 and "control socket %s: another vunetd answers on it" % d.control in out
    d.stop()
    # the saved state wins over the configuration, --reset-state does not
    d.start()
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1"]
    d.stop()
    d.args.append("--reset-state")
    d.start()
    assert [p["name"] for p in d.ctl("port", "list")] == ["vm1", "vm2"]
    d.stop()
    d.args.remove("--reset-state")
    # a damaged state file stops the start with the reason, touching nothing
    with open(d.state, "w") as f:
        f.write('{"ports": [ {"name": "vm1", "type": "vhost"} ]}')
    code, out = d.run_to_exit()
    assert code == 2
    assert ("%s: ports[0].path: is required (the saved state; --reset-state starts from %s "
            "instead)" % (d.state, d.config_path)) in out
