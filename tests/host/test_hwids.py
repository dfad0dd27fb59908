"""pci.ids and usb.ids parsing, and where the databases are looked for."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host
from hostql.host.hwids import parse_pci_ids, parse_usb_ids

PCI_IDS = """\
# pci.ids excerpt
#\tvendor  vendor_name
1af4  Red Hat, Inc.
\t1000  Virtio network device
\t\t1af4 0001  Virtio network device  \t
\t1041  Virtio 1.0 network device # comment after a name
1af4  Duplicate vendor line is ignored
\t1042  Virtio 1.0 block device
8086  Intel Corporation
\t0d57  Short
bad
\tab
ffff  Illegal Vendor ID
C 00  Unclassified device
\t00  Non-VGA unclassified device
"""

USB_IDS = """\
# usb.ids excerpt
1d6b  Linux Foundation
\t0002  2.0 root hub
\t0003  3.0 root hub
\t\t00  interface line
0781  SanDisk Corp.
\t5581  Ultra

C 00  (Defined at Interface level)
\t01  Audio
"""


def test_pci_ids_like_osquery() -> None:
    vendors = parse_pci_ids(PCI_IDS)
    assert set(vendors) == {"1af4", "8086"}
    red_hat = vendors["1af4"]
    assert red_hat.name == "Red Hat, Inc."
    assert red_hat.models["1000"].subsystems == {"1af4 0001": "Virtio network device"}
    assert red_hat.models["1041"].name == "Virtio 1.0 network device"
    # The duplicate vendor line is refused but its devices land on the current vendor.
    assert red_hat.models["1042"].name == "Virtio 1.0 block device"
    assert vendors["8086"].models == {"0d57": vendors["8086"].models["0d57"]}


def test_usb_ids() -> None:
    vendors = parse_usb_ids(USB_IDS)
    assert {v: d.name for v, d in vendors.items()} == {
        "1d6b": "Linux Foundation",
        "0781": "SanDisk Corp.",
    }
    assert {m: d.name for m, d in vendors["1d6b"].models.items()} == {
        "0002": "2.0 root hub",
        "0003": "3.0 root hub",
    }


def test_first_database_found_is_used_and_cached(tmp_path: Path) -> None:
    ids = Host(tmp_path).hwids
    assert ids.pci() is None and ids.usb() is None
    hwdata = tmp_path / "usr/share/hwdata"
    hwdata.mkdir(parents=True)
    (hwdata / "pci.ids").write_text(PCI_IDS)
    first = ids.pci()
    assert first is not None and "1af4" in first
    assert ids.pci() is first
    misc = tmp_path / "usr/share/misc"
    misc.mkdir(parents=True)
    (misc / "pci.ids").write_text("abcd  Preferred\n")
    assert set(ids.pci() or {}) == {"abcd"}
    (tmp_path / "var/lib/usbutils").mkdir(parents=True)
    (tmp_path / "var/lib/usbutils/usb.ids").write_text(USB_IDS)
    assert "0781" in (ids.usb() or {})
