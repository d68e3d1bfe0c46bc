# tests/vm/vm.mk: make check fetches Debian's kernel and builds gpio-sim for
# the VM test (tests/integration/vm_gpio.sh) as a build step, so the test
# only packs an initramfs and boots. No archive, no kernel: the test skips.
# The guest is amd64 (linux-image-amd64, qemu-system-x86_64): elsewhere the
# kernel is not fetched and the test skips.
check-extra-builds::
	@if [ "$$(dpkg --print-architecture)" != amd64 ]; then \
		echo "vm.mk: not amd64: no VM kernel built, vm_gpio will skip"; \
	else bash tests/vm/kernel.sh >/dev/null || \
		echo "vm.mk: tests/vm/kernel.sh could not fetch and build the kernel (reason above): vm_gpio will skip"; \
	fi
