/*
 * A FAKE hostdev for libqtest's own test: the test binary re-executed with hostdev's qtest
 * command line. It runs the real qtest server over a fake machine and a scripted QMP peer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HOSTDEV_FAKE_HOSTDEV_H
#define HOSTDEV_FAKE_HOSTDEV_H

#define FAKE_RAM_SIZE (1024 * 1024)       /* RAM at guest-physical 0 */
#define FAKE_DOORBELL 0xfff00000u         /* writel: raise IRQ <value> */
#define FAKE_DOORBELL_LOWER 0xfff00004u   /* writel: lower IRQ <value> */
#define FAKE_DOORBELL_LATER 0xfff00008u   /* writel: raise IRQ <value> 50 ms later */
#define FAKE_DEVICE "/machine/fake"       /* the one device whose IRQs can be intercepted */

/*
 * Options of its own: -fake-exit-early (print to stderr, exit 1), -fake-no-connect (never
 * connect), -fake-quit-status N (exit status after quit). QMP commands of its own: fake-argv,
 * fake-events {name, count}, fake-fd-write {fd, data}, fake-open-fds, fake-crash,
 * fake-mute-qtest, fake-qtest-send {line}, fake-qmp-send {text}.
 */
int fake_hostdev_main(int argc, char **argv);

#endif /* HOSTDEV_FAKE_HOSTDEV_H */
