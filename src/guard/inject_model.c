// SPDX-License-Identifier: MIT
/*
 * guard/inject_model.c: the committed injection model (data/guard/inject.model) as bytes
 * in the binary, so the server needs no file beside it. CMake passes the file's path as
 * AG_INJECT_MODEL_PATH when the file exists; a build without it has an empty model, and
 * guard_inject_create() says so (training, `agentgate guard train`, needs no model).
 * THREADS, OWNERSHIP: constant data.
 */
#include <stddef.h>

#ifdef AG_INJECT_MODEL_PATH
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl ag_inject_model\n"
        "ag_inject_model:\n"
        ".incbin \"" AG_INJECT_MODEL_PATH "\"\n"
        "ag_inject_model_end:\n"
        ".balign 8\n"
        ".globl ag_inject_model_len\n"
        "ag_inject_model_len:\n"
        ".quad ag_inject_model_end - ag_inject_model\n"
        ".previous\n");
#else
const unsigned char ag_inject_model[1] = {0};
const size_t ag_inject_model_len = 0;
#endif
