"""Grammar-constrained sampling that checks the grammar only when it has to.

Stock llama-cpp-python puts the grammar sampler inside the sampling chain, so every
decoded token the grammar is evaluated against the whole vocabulary (~151k tokens for
Qwen2.5), which costs about as much as the forward pass of a 0.5B model. llama.cpp's own
`common_sampler_sample` (grammar_first=false) avoids that: sample without the grammar,
ask the grammar about that one token, and only when it is rejected mask the full
candidate list and sample again. Inside a JSON schema the model's own choice is nearly
always allowed, so the expensive path runs for a few tokens per answer.

`FastGrammarLlama` is `llama_cpp.Llama` with that strategy. Outputs are as valid as the
stock ones (every accepted token has passed the same grammar sampler, which also tracks
the grammar state). Greedy decoding picks the same tokens: the argmax is either allowed
(then it is also the argmax of the allowed tokens) or the fallback computes exactly what
the stock chain computes. With temperature > 0 the distribution differs slightly from the
stock path, exactly as it does in llama.cpp's server: a token the unconstrained sampler
draws is kept if allowed, instead of truncating (top-k/top-p) after masking. A rejected
draw also advances state that samplers update in `apply` (the dist RNG, mirostat's mu),
again as in llama.cpp, so seeded sampled output differs from stock.
"""

from __future__ import annotations

import ctypes
import math
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals

# Same memory layout as llama_token_data, so numpy can fill the candidate buffer
# without a Python loop over the vocabulary.
_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)])
assert _TOKEN_DATA.itemsize == ctypes.sizeof(llama_cpp.llama_token_data)


class SampleThenCheckSampler:
    """Drop-in for `LlamaSampler` in `Llama.generate`/`Llama.sample` (same sample/accept/reset).

    `chain` is the stock chain without the grammar; `grammar` is a chain holding only the
    grammar sampler. Both receive every accepted token, so penalties and grammar state
    advance exactly as in the stock chain.
    """

    def __init__(
        self, chain: internals.LlamaSampler, grammar: internals.LlamaSampler, n_vocab: int
    ):
        self.chain = chain
        self.grammar = grammar
        self.n_vocab = n_vocab
        # One reusable candidate buffer: llama_sampler_sample would build the same array
        # in C++, but it also accepts the token into the chain, which we must not do
        # before the grammar has had its say (penalty history would record a rejected one).
        self._buf = (llama_cpp.llama_token_data * n_vocab)()
        self._view = np.frombuffer(self._buf, dtype=_TOKEN_DATA)
        self._ids = np.arange(n_vocab, dtype=np.int32)
        self._single = llama_cpp.llama_token_data()
        self.n_sampled = 0  # tokens sampled through this sampler
        self.n_resampled = 0  # of which needed the full-vocabulary grammar pass

    def _candidates(
        self, ctx: internals.LlamaContext, idx: int
    ) -> llama_cpp.llama_token_data_array:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        if not logits:
            raise RuntimeError(f"no logits for output {idx}")
        # Samplers sort and truncate the buffer in place, so ids must be restored each time.
        self._view["id"] = self._ids
        self._view["logit"] = np.ctypeslib.as_array(logits, shape=(self.n_vocab,))
        self._view["p"] = 0.0
        return llama_cpp.llama_token_data_array(
            data=ctypes.cast(self._buf, llama_cpp.llama_token_data_p),
            size=self.n_vocab,
            selected=-1,
            sorted=False,
        )

    def _select(self, cur: llama_cpp.llama_token_data_array) -> int:
        # Read through cur.data: samplers may repoint it.
        if not 0 <= cur.selected < cur.size:
            raise RuntimeError("sampling chain selected no token")
        return cur.data[cur.selected].id

    def _allowed(self, token: int) -> bool:
        self._single.id, self._single.logit, self._single.p = token, 1.0, 0.0
        one = llama_cpp.llama_token_data_array(
            data=ctypes.pointer(self._single), size=1, selected=-1, sorted=False
        )
        llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(one))
        return not math.isinf(self._single.logit)

    def sample(self, ctx: internals.LlamaContext, idx: int = -1) -> int:
        self.n_sampled += 1
        cur = self._candidates(ctx, idx)
        llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(cur))
        token = self._select(cur)
        if not self._allowed(token):
            # Rare path: mask the whole vocabulary first, then run the chain as stock does
            # (stock order is penalties -> grammar -> ...; masking commutes with penalties).
            self.n_resampled += 1
            cur = self._candidates(ctx, idx)
            llama_cpp.llama_sampler_apply(self.grammar.sampler, ctypes.byref(cur))
            llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(cur))
            token = self._select(cur)
        # llama_sampler_sample accepts the token too; generate() relies on that.
        self.accept(token)
        return token

    def accept(self, token: int) -> None:
        self.grammar.accept(token)
        self.chain.accept(token)

    def reset(self) -> None:
        self.grammar.reset()
        self.chain.reset()

    def close(self) -> None:
        self.chain.close()
        self.grammar.close()


class FastGrammarLlama(llama_cpp.Llama):
    """`llama_cpp.Llama` whose grammar-constrained decoding checks only the sampled token.

    Unconstrained calls use the stock sampler unchanged.
    """

    last_sampler: SampleThenCheckSampler | None = None  # for stats (bench, tests)

    def _init_sampler(self, *args: Any, grammar: Any = None, **kwargs: Any) -> Any:
        chain = super()._init_sampler(*args, grammar=None, **kwargs)
        if grammar is None:
            return chain
        checker = internals.LlamaSampler()
        checker.add_grammar(self._model, grammar)
        sampler = SampleThenCheckSampler(chain, checker, self._n_vocab)
        self.last_sampler = sampler
        return sampler
