#ifndef DEEPCODER_CLIBGIT2_SHIM_H
#define DEEPCODER_CLIBGIT2_SHIM_H
#include <git2.h>
#endif
