"""Hardware tables: firmware (SMBIOS, ACPI, EFI), buses (PCI, USB) and storage devices."""
