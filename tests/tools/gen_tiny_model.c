// SPDX-License-Identifier: MIT
/*
 * tests/tools/gen_tiny_model.c: writes a tiny Llama-architecture GGUF with seeded random
 * weights and a real vocabulary, for tests of the llama.cpp paths (embeddings today).
 * No weights can be downloaded here, and a model's cost and behaviour in the code depend
 * on its shape, not its training.
 *   usage: gen_tiny_model VOCAB.gguf OUT.gguf [n_embd] [seed]
 * The vocabulary and tokenizer keys are copied from VOCAB.gguf (one of the bundle's
 * ggml-vocab-*.gguf files); hyper-parameters are set for a 1-layer, 2-head model.
 */
#include <ggml.h>
#include <gguf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static float rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

static struct ggml_tensor *tensor(struct ggml_context *g, struct gguf_context *out,
                                  const char *name, int64_t ne0, int64_t ne1, float scale,
                                  float constant)
{
    struct ggml_tensor *t = ne1 ? ggml_new_tensor_2d(g, GGML_TYPE_F32, ne0, ne1)
                                : ggml_new_tensor_1d(g, GGML_TYPE_F32, ne0);
    ggml_set_name(t, name);
    float *d = t->data;
    for (int64_t i = 0; i < ggml_nelements(t); i++)
        d[i] = scale ? rnd() * scale : constant;
    gguf_add_tensor(out, t);
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s VOCAB.gguf OUT.gguf [n_embd] [seed]\n", argv[0]);
        return 2;
    }
    int64_t n_embd = argc > 3 ? strtol(argv[3], NULL, 10) : 32, n_ff = 2 * n_embd, n_head = 2;
    rng_state = argc > 4 ? strtoull(argv[4], NULL, 10) : 42;
    if (n_embd < 8 || n_embd > 4096 || n_embd % n_head || rng_state == 0) {
        fprintf(stderr, "gen_tiny_model: bad n_embd or seed\n");
        return 2;
    }
    struct gguf_init_params ip = {.no_alloc = true, .ctx = NULL};
    struct gguf_context *vocab = gguf_init_from_file(argv[1], ip);
    if (!vocab) {
        fprintf(stderr, "gen_tiny_model: cannot read %s\n", argv[1]);
        return 1;
    }
    int64_t tok = gguf_find_key(vocab, "tokenizer.ggml.tokens");
    if (tok < 0) {
        fprintf(stderr, "gen_tiny_model: %s has no tokenizer.ggml.tokens\n", argv[1]);
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
    gguf_set_kv(out, vocab);
    gguf_free(vocab);
    if (tmpl)
        gguf_set_val_str(out, "tokenizer.chat_template", tmpl);
    gguf_set_val_str(out, "general.architecture", "llama");
    gguf_set_val_str(out, "general.name", "agentgate-tiny-test");
    gguf_set_val_u32(out, "general.file_type", 0); /* all F32 */
    gguf_set_val_u32(out, "llama.context_length", 4096);
    gguf_set_val_u32(out, "llama.embedding_length", (uint32_t)n_embd);
    gguf_set_val_u32(out, "llama.block_count", 1);
    gguf_set_val_u32(out, "llama.feed_forward_length", (uint32_t)n_ff);
    gguf_set_val_u32(out, "llama.attention.head_count", (uint32_t)n_head);
    gguf_set_val_u32(out, "llama.attention.head_count_kv", (uint32_t)n_head);
    gguf_set_val_u32(out, "llama.rope.dimension_count", (uint32_t)(n_embd / n_head));
    gguf_set_val_f32(out, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_set_val_f32(out, "llama.rope.freq_base", 10000.0f);
    gguf_set_val_u32(out, "llama.vocab_size", (uint32_t)n_vocab);

    size_t bytes = (size_t)(n_vocab * n_embd + 4 * n_embd * n_embd + 3 * n_embd * n_ff +
                            3 * n_embd) * sizeof(float) + 64 * ggml_tensor_overhead();
    struct ggml_init_params gp = {.mem_size = bytes, .mem_buffer = NULL, .no_alloc = false};
    struct ggml_context *g = ggml_init(gp);
    if (!g) {
        fprintf(stderr, "gen_tiny_model: out of memory\n");
        gguf_free(out);
        return 1;
    }
    tensor(g, out, "token_embd.weight", n_embd, n_vocab, 0.5f, 0);
    tensor(g, out, "output_norm.weight", n_embd, 0, 0, 1.0f);
    tensor(g, out, "blk.0.attn_norm.weight", n_embd, 0, 0, 1.0f);
    tensor(g, out, "blk.0.attn_q.weight", n_embd, n_embd, 0.2f, 0);
    tensor(g, out, "blk.0.attn_k.weight", n_embd, n_embd, 0.2f, 0);
    tensor(g, out, "blk.0.attn_v.weight", n_embd, n_embd, 0.2f, 0);
    tensor(g, out, "blk.0.attn_output.weight", n_embd, n_embd, 0.2f, 0);
    tensor(g, out, "blk.0.ffn_norm.weight", n_embd, 0, 0, 1.0f);
    tensor(g, out, "blk.0.ffn_gate.weight", n_embd, n_ff, 0.2f, 0);
    tensor(g, out, "blk.0.ffn_up.weight", n_embd, n_ff, 0.2f, 0);
    tensor(g, out, "blk.0.ffn_down.weight", n_ff, n_embd, 0.2f, 0);
    bool ok = gguf_write_to_file(out, argv[2], false);
    ggml_free(g);
    gguf_free(out);
    if (!ok) {
        fprintf(stderr, "gen_tiny_model: cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
