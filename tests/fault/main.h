/*
 * tests/fault/main.h: forced into every file of the fault-injection
 * build (-include), which compiles autoconf.c with -Dmain=mac_main so
 * that tests/fault/fault.c can run the real FastCGI loop in a child.
 */
#ifndef FAULT_MAIN_H
#define FAULT_MAIN_H

int	mac_main(int, char *[]);

#endif
