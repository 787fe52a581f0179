/* A qemu-user TCG plugin that counts the guest instructions a program
 * executes: scripts/arm-insn-count.sh loads it into qemu-aarch64 to measure
 * the aarch64 kernels' work per invoke on real models (the machine here has
 * no aarch64 CPU to time them on).
 *
 * Each translated block adds its instruction count to a counter every time it
 * runs (an inline add, no call). At exit the total goes to stderr as
 * "instructions: N"; with the argument pcs=FILE, each block's start address
 * and executed instructions are also written to FILE ("0xADDR COUNT" lines,
 * summed over retranslations) for attribution to functions.
 *
 * Only the few entry points of QEMU's plugin API (version 1) used here are
 * declared; QEMU resolves them when it loads the plugin. Counts are exact for
 * a single-threaded guest (the inline adds are not atomic).
 * Build: cc -shared -fPIC -O2 insn_count_plugin.c -o libinsn_count.so */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

/* One translated block: where it starts and the instructions it ran. */
struct block {
  uint64_t vaddr;
  uint64_t executed;
  struct block *next;
};

static uint64_t total;
static struct block *blocks; /* only with pcs= */
static char *pcs_path;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  const uint64_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
  if (pcs_path == NULL) return;
  struct block *b = calloc(1, sizeof(*b));
  if (b == NULL) return;
  b->vaddr = qemu_plugin_tb_vaddr(tb);
  b->next = blocks;
  blocks = b;
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->executed, n);
}

static void on_exit_guest(qemu_plugin_id_t id, void *userdata) {
  (void)id;
  (void)userdata;
  fprintf(stderr, "instructions: %llu\n", (unsigned long long)total);
  if (pcs_path == NULL) return;
  FILE *f = fopen(pcs_path, "w");
  if (f == NULL) {
    fprintf(stderr, "insn_count_plugin: cannot write %s\n", pcs_path);
    return;
  }
  for (const struct block *b = blocks; b != NULL; b = b->next)
    if (b->executed != 0) fprintf(f, "0x%llx %llu\n", (unsigned long long)b->vaddr, (unsigned long long)b->executed);
  fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "pcs=", 4) == 0) {
      pcs_path = strdup(argv[i] + 4);
    } else {
      fprintf(stderr, "insn_count_plugin: unknown argument %s (known: pcs=FILE)\n", argv[i]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_exit_guest, NULL);
  return 0;
}
