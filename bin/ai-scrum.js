#!/usr/bin/env node
// The `ai-scrum` command runs the committed CLI bundle.
import '../dist/cli/index.js';
