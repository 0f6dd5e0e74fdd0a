// Control: Vue's own types alone. Where this fails (Vue's declarations under node16 with skipLibCheck: false),
// vue.ts is skipped for that resolution: the failure is Vue's, not ours.
import { ref } from 'vue';

export const count = ref(0);
