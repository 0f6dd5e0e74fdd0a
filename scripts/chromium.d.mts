import type { BrowserContext, BrowserType } from 'playwright-core';

export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: readonly string[];
export declare function launchChromium(chromium: BrowserType, profileDir: string): Promise<BrowserContext>;
