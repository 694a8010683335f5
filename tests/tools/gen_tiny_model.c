// SPDX-License-Identifier: MIT
/*
 * tests/tools/gen_tiny_model.c: writes a Llama-architecture GGUF with seeded random weights
 * and a real vocabulary, for tests of the llama.cpp paths and for throughput benchmarks.
 * No weights can be downloaded here, and a model's cost and behaviour in the code depend
 * on its shape, not its training.
 *   usage: gen_tiny_model [options] VOCAB.gguf OUT.gguf [n_embd] [seed]
 *   options: --layers N --heads N --kv-heads N (GQA) --ff N --ctx N --f16 --untied
 * Without options it writes the tests' tiny model: 1 layer, 2 heads, n_ff = 2 * n_embd,
 * context 4096, all F32, weights uniform in [-0.2, 0.2], output tied to token_embd.
 * With any shape option (a benchmark model, e.g. --layers 16 --heads 16 --kv-heads 4
 * --ff 2816 --f16 --untied with n_embd 1024), each matrix is scaled by 1/sqrt(fan-in) so
 * activations stay finite through many layers; --f16 stores the matrices as F16 (norms
 * stay F32) so llama-quantize can make Q8_0 or Q4_K from the file.
 * The vocabulary and tokenizer keys are copied from VOCAB.gguf (one of the bundle's
 * ggml-vocab-*.gguf files), tokenizer.chat_template included; a vocabulary without one
 * gets Llama 3's template when it has Llama 3's header tokens, else ChatML (in an SPM or
 * BPE vocabulary without <|im_start|> those markers cost a few ordinary tokens each).
 */
#include <ggml.h>
#include <gguf.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct shape {
    int64_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_ctx;
    bool f16, untied, scaled;
};

static uint64_t rng_state;

static float rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

/* A 1-D tensor is a norm (F32, filled with constant); a 2-D one a matrix of random
 * weights in [-scale, scale], or 1/sqrt(ne0) when the shape asks for fan-in scaling. */
static void tensor(struct ggml_context *g, struct gguf_context *out, const struct shape *s,
                   const char *name, int64_t ne0, int64_t ne1, float scale, float constant)
{
    bool half = s->f16 && ne1;
    struct ggml_tensor *t =
        ne1 ? ggml_new_tensor_2d(g, half ? GGML_TYPE_F16 : GGML_TYPE_F32, ne0, ne1)
            : ggml_new_tensor_1d(g, GGML_TYPE_F32, ne0);
    ggml_set_name(t, name);
    if (ne1 && s->scaled)
        scale = (float)(1.0 / sqrt((double)ne0));
    for (int64_t i = 0; i < ggml_nelements(t); i++) {
        float v = ne1 ? rnd() * scale : constant;
        if (half)
            ((ggml_fp16_t *)t->data)[i] = ggml_fp32_to_fp16(v);
        else
            ((float *)t->data)[i] = v;
    }
    gguf_add_tensor(out, t);
}

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--layers N] [--heads N] [--kv-heads N] [--ff N] [--ctx N] [--f16] "
            "[--untied] VOCAB.gguf OUT.gguf [n_embd] [seed]\n",
            argv0);
    return 2;
}

static bool parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    struct shape s = {
        .n_embd = 32, .n_layer = 1, .n_head = 2, .n_head_kv = 0, .n_ff = 0, .n_ctx = 4096};
    const char *pos[4] = {NULL};
    int n_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int64_t *num = NULL, hi = 1 << 20;
        if (!strcmp(a, "--f16")) {
            s.f16 = s.scaled = true;
            continue;
        }
        if (!strcmp(a, "--untied")) {
            s.untied = s.scaled = true;
            continue;
        }
        if (!strcmp(a, "--layers"))
            num = &s.n_layer, hi = 256;
        else if (!strcmp(a, "--heads"))
            num = &s.n_head, hi = 256;
        else if (!strcmp(a, "--kv-heads"))
            num = &s.n_head_kv, hi = 256;
        else if (!strcmp(a, "--ff"))
            num = &s.n_ff, hi = 65536;
        else if (!strcmp(a, "--ctx"))
            num = &s.n_ctx, hi = 1 << 20;
        if (num) {
            if (i + 1 >= argc || !parse_i64(argv[++i], 1, hi, num))
                return usage(argv[0]);
            s.scaled = true;
            continue;
        }
        if (a[0] == '-' && a[1] == '-')
            return usage(argv[0]);
        if (n_pos == 4)
            return usage(argv[0]);
        pos[n_pos++] = a;
    }
    if (n_pos < 2)
        return usage(argv[0]);
    s.n_embd = n_pos > 2 ? strtol(pos[2], NULL, 10) : 32;
    rng_state = n_pos > 3 ? strtoull(pos[3], NULL, 10) : 42;
    if (!s.n_ff)
        s.n_ff = 2 * s.n_embd;
    if (!s.n_head_kv)
        s.n_head_kv = s.n_head;
    if (s.n_embd < 8 || s.n_embd > 8192 || s.n_embd % s.n_head || s.n_head % s.n_head_kv ||
        rng_state == 0) {
        fprintf(stderr, "gen_tiny_model: bad n_embd, heads or seed\n");
        return 2;
    }
    const int64_t n_embd = s.n_embd, n_ff = s.n_ff, head_dim = n_embd / s.n_head;
    const int64_t n_embd_kv = head_dim * s.n_head_kv;

    struct gguf_init_params ip = {.no_alloc = true, .ctx = NULL};
    struct gguf_context *vocab = gguf_init_from_file(pos[0], ip);
    if (!vocab) {
        fprintf(stderr, "gen_tiny_model: cannot read %s\n", pos[0]);
        return 1;
    }
    int64_t tok = gguf_find_key(vocab, "tokenizer.ggml.tokens");
    if (tok < 0) {
        fprintf(stderr, "gen_tiny_model: %s has no tokenizer.ggml.tokens\n", pos[0]);
        gguf_free(vocab);
        return 1;
    }
    int64_t n_vocab = (int64_t)gguf_get_arr_n(vocab, tok);
    /* A chat template, so generation can format chats: the vocabulary's own if it has one,
     * else Llama 3's when its header tokens exist, else ChatML. */
    const char *tmpl = NULL;
    if (gguf_find_key(vocab, "tokenizer.chat_template") < 0) {
        tmpl = "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + "
               "'<|im_end|>\\n'}}{% endfor %}{% if add_generation_prompt %}"
               "{{'<|im_start|>assistant\\n'}}{% endif %}";
        for (int64_t i = 0; i < n_vocab; i++)
            if (strcmp(gguf_get_arr_str(vocab, tok, (size_t)i), "<|start_header_id|>") == 0) {
                tmpl = "{% for m in messages %}{{'<|start_header_id|>' + m['role'] + "
                       "'<|end_header_id|>\\n\\n' + m['content'] + '<|eot_id|>'}}{% endfor %}"
                       "{% if add_generation_prompt %}"
                       "{{'<|start_header_id|>assistant<|end_header_id|>\\n\\n'}}{% endif %}";
                break;
            }
    }
    struct gguf_context *out = gguf_init_empty();
    gguf_set_kv(out, vocab); /* tokenizer.* including tokenizer.chat_template when present */
    gguf_free(vocab);
    if (tmpl)
        gguf_set_val_str(out, "tokenizer.chat_template", tmpl);
    gguf_set_val_str(out, "general.architecture", "llama");
    gguf_set_val_str(out, "general.name", s.scaled ? "agentgate-bench" : "agentgate-tiny-test");
    gguf_set_val_u32(out, "general.file_type", s.f16 ? 1 : 0); /* MOSTLY_F16 or all F32 */
    gguf_set_val_u32(out, "llama.context_length", (uint32_t)s.n_ctx);
    gguf_set_val_u32(out, "llama.embedding_length", (uint32_t)n_embd);
    gguf_set_val_u32(out, "llama.block_count", (uint32_t)s.n_layer);
    gguf_set_val_u32(out, "llama.feed_forward_length", (uint32_t)n_ff);
    gguf_set_val_u32(out, "llama.attention.head_count", (uint32_t)s.n_head);
    gguf_set_val_u32(out, "llama.attention.head_count_kv", (uint32_t)s.n_head_kv);
    gguf_set_val_u32(out, "llama.rope.dimension_count", (uint32_t)head_dim);
    gguf_set_val_f32(out, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_set_val_f32(out, "llama.rope.freq_base", 10000.0f);
    gguf_set_val_u32(out, "llama.vocab_size", (uint32_t)n_vocab);

    size_t el = s.f16 ? 2 : 4;
    size_t per_layer = (size_t)(2 * n_embd * n_embd + 2 * n_embd * n_embd_kv + 3 * n_embd * n_ff);
    size_t matrices =
        (size_t)(n_vocab * n_embd) * (s.untied ? 2 : 1) + per_layer * (size_t)s.n_layer;
    size_t bytes = matrices * el + (size_t)((2 * s.n_layer + 1) * n_embd) * sizeof(float) +
                   (size_t)(16 + 16 * s.n_layer) * (ggml_tensor_overhead() + 64);
    struct ggml_init_params gp = {.mem_size = bytes, .mem_buffer = NULL, .no_alloc = false};
    struct ggml_context *g = ggml_init(gp);
    if (!g) {
        fprintf(stderr, "gen_tiny_model: out of memory\n");
        gguf_free(out);
        return 1;
    }
    tensor(g, out, &s, "token_embd.weight", n_embd, n_vocab, 0.5f, 0);
    tensor(g, out, &s, "output_norm.weight", n_embd, 0, 0, 1.0f);
    if (s.untied)
        tensor(g, out, &s, "output.weight", n_embd, n_vocab, 0.5f, 0);
    for (int64_t l = 0; l < s.n_layer; l++) {
        static const struct {
            const char *name;
            int rows; /* 0: norm; 1: n_embd; 2: n_embd_kv; 3: n_ff; 4: n_embd from n_ff */
        } parts[] = {
            {"attn_norm", 0}, {"attn_q", 1},   {"attn_k", 2}, {"attn_v", 2},   {"attn_output", 1},
            {"ffn_norm", 0},  {"ffn_gate", 3}, {"ffn_up", 3}, {"ffn_down", 4},
        };
        for (size_t p = 0; p < sizeof(parts) / sizeof(parts[0]); p++) {
            char name[64];
            snprintf(name, sizeof(name), "blk.%lld.%s.weight", (long long)l, parts[p].name);
            int r = parts[p].rows;
            if (r == 0)
                tensor(g, out, &s, name, n_embd, 0, 0, 1.0f);
            else if (r == 4)
                tensor(g, out, &s, name, n_ff, n_embd, 0.2f, 0);
            else
                tensor(g, out, &s, name, n_embd,
                       r == 1   ? n_embd
                       : r == 2 ? n_embd_kv
                                : n_ff,
                       0.2f, 0);
        }
    }
    bool ok = gguf_write_to_file(out, pos[1], false);
    ggml_free(g);
    gguf_free(out);
    if (!ok) {
        fprintf(stderr, "gen_tiny_model: cannot write %s\n", pos[1]);
        return 1;
    }
    return 0;
}
