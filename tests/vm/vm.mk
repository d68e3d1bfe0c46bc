# tests/vm/vm.mk: make check fetches Debian's kernel and builds gpio-sim for
# the VM tests (tests/integration/vm_gpio.sh, vm_systemd.sh) as a build
# step, and, as root, the real-systemd test's root image (debootstrap), so
# the tests only pack an initramfs and boot. No archive, no kernel, not
# root: the tests skip. The guest is amd64 (linux-image-amd64,
# qemu-system-x86_64): elsewhere nothing is fetched and the tests skip.
check-extra-builds::
	@if [ "$$(dpkg --print-architecture)" != amd64 ]; then \
		echo "vm.mk: not amd64: no VM kernel built, vm_gpio and vm_systemd will skip"; \
		exit 0; fi; \
	kdir=$$(bash tests/vm/kernel.sh) || { \
		echo "vm.mk: tests/vm/kernel.sh could not fetch and build the kernel (reason above): vm_gpio and vm_systemd will skip"; \
		exit 0; }; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "vm.mk: not root: no root image for vm_systemd (it will skip)"; \
	else \
		bash tests/vm/rootfs.sh "$$kdir" >/dev/null || \
		echo "vm.mk: tests/vm/rootfs.sh could not build the root image (reason above): vm_systemd will skip"; \
	fi
