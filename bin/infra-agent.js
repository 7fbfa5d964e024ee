#!/usr/bin/env -S node --experimental-strip-types
// Thin launcher so `infra-agent` works from npm's bin links: Node >= 22.12 runs the
// TypeScript sources directly (type stripping), so there is no build step to forget.
import '../src/cli/main.ts';
