import type { RevisionSyncHandle } from '@statesync/core';
import { defineComponent, h, type PropType, ref } from 'vue';
import type { SettingsCommands } from '../commands';
import type { SettingsStore } from '../settings-store';
import { StatusBadge } from './status-badge';

/** The settings window: edits through backend commands, previews the font size locally while the slider moves. */
export const SettingsWindow = defineComponent({
  name: 'SettingsWindow',
  props: {
    store: { type: Object as PropType<SettingsStore>, required: true },
    handle: { type: Object as PropType<RevisionSyncHandle>, required: true },
    commands: { type: Object as PropType<SettingsCommands>, required: true },
  },
  setup(props) {
    const failure = ref<string>();
    const run = (action: Promise<void>) =>
      action.then(
        () => (failure.value = undefined),
        (error: unknown) => (failure.value = String(error)),
      );
    return () => {
      const { store, commands } = props;
      return h('form', { class: ['settings', store.theme], onSubmit: (e: Event) => e.preventDefault() }, [
        h('fieldset', [
          h('legend', 'Theme'),
          ...(['light', 'dark'] as const).map((theme) =>
            h(
              'button',
              {
                type: 'button',
                'data-testid': `theme-${theme}`,
                'aria-pressed': store.theme === theme,
                onClick: () => run(commands.setTheme(theme)),
              },
              theme,
            ),
          ),
        ]),
        h('label', [
          `Text size ${store.effectiveFontSize}px `,
          h('input', {
            type: 'range',
            min: 10,
            max: 24,
            'data-testid': 'font-size',
            value: store.effectiveFontSize,
            // While dragging: local preview only. On release: one backend write.
            onInput: (e: Event) => (store.previewFontSize = Number((e.target as HTMLInputElement).value)),
            onChange: (e: Event) =>
              run(
                commands.setFontSize(Number((e.target as HTMLInputElement).value)).finally(() => {
                  store.previewFontSize = null;
                }),
              ),
          }),
        ]),
        failure.value ? h('p', { role: 'alert' }, failure.value) : null,
        h(StatusBadge, { handle: props.handle }),
      ]);
    };
  },
});
