import { register } from 'node:module';

register(new URL('./block-optional-hooks.mjs', import.meta.url));
