import { redirect } from 'next/navigation';

export default function ResearchHome() {
  redirect('/research/jobs');
}
