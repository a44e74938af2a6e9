#ifndef CBERTHSYSTEM_H
#define CBERTHSYSTEM_H

/// Swaps two paths atomically (Linux renameat2 with RENAME_EXCHANGE). Returns 0, or -1 with errno set.
int berth_exchange_paths(const char *first, const char *second);

#endif
